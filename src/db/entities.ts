/** Every entity of the graph, listed once (no folder scanning: start-up stays fast and explicit). */
import { User } from '../modules/identity/user.entity';
import { Session } from '../modules/identity/session.entity';
import { PasswordReset } from '../modules/identity/password-reset.entity';
import { MailMessage } from '../modules/identity/mail-message.entity';
import { StoredFile } from '../storage/stored-file.entity';

export const entities = [User, Session, PasswordReset, MailMessage, StoredFile];
