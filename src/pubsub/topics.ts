/** Every topic of the graph and its payload. Payloads are small (ids and kinds): NOTIFY caps them at 8000 bytes. */
export interface Topics {
  /** sessionIds null: every session of the user */
  'identity.sessionRevoked': { userId: string; sessionIds: string[] | null };
  'identity.userChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; userId: string };
}
export type TopicName = keyof Topics;
