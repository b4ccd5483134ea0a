// Every GraphQL document the live dashboard sends, by operation name. dashboard.js imports them from here (.mjs: Node reads it as a module too)
// and scripts/trusted-documents.ts reads this module into schema/trusted-documents.json (the allow-list of
// GRAPHQL_TRUSTED_ONLY), so the page and the manifest cannot drift: a document written anywhere else
// would be refused in trusted-only mode, and tests/trusted-documents.test.ts fails on a stale manifest.
// Edit a document here, then run `npm run codegen`.

const ANALYTICS =
  'generatedAt totals { users usersAnswered } distribution { question { id text } stronglyAgree agree neutral disagree stronglyDisagree } topMatches { party { name } users }';

export const REPORT_STATES = ['submitted', 'acknowledged', 'investigating', 'resolved', 'closed'];

export const DOCUMENTS = Object.freeze({
  DashboardMe: 'query DashboardMe { me { id username name } }',
  DashboardLogin: 'mutation DashboardLogin($input: LoginInput!) { login(input: $input) { token requiresTwoFactor } }',
  DashboardLogout: 'mutation DashboardLogout { logout }',
  DashboardCoparentWeek: 'query DashboardCoparentWeek($month: String!) { coparentItems(month: $month) { id date type title owner { username } } }',
  DashboardCoparentLive: 'subscription DashboardCoparentLive($month: String!) { coparentItemChanged(month: $month) { kind itemId } }',
  DashboardCake: `query DashboardCake($today: String!, $until: String!, $since: String!, $yesterday: String!) {
  upcoming: cakeEvents(start: $today, end: $until) { id date description baker { name } group { name } }
  recent: cakeEvents(start: $since, end: $yesterday) { id date description baker { name } rating { average count } }
}`,
  DashboardCakeLive: 'subscription DashboardCakeLive { cakeEventChanged { id kind } }',
  DashboardCompass: `query DashboardCompass { compassAnalytics { ${ANALYTICS} } }`,
  DashboardCompassLive: `subscription DashboardCompassLive { compassAnalyticsChanged { ${ANALYTICS} } }`,
  DashboardConductEvents: 'query DashboardConductEvents { conductMyEvents { event { id name slug } roles } }',
  DashboardConductReports: `query DashboardConductReports($e: ID!) {
  conductReports(eventId: $e, limit: 5) { total stats { ${REPORT_STATES.join(' ')} total } reports { id title state createdAt } }
}`,
  DashboardConductMembers: 'subscription DashboardConductMembers($e: ID!) { conductEventMembershipChanged(eventId: $e) { kind } }',
  DashboardConductReportsLive: 'subscription DashboardConductReportsLive($e: ID!) { conductReportChanged(eventId: $e) { kind reportId } }',
  DashboardNotifications: 'query DashboardNotifications { myConductNotifications(limit: 8) { unreadCount notifications { id title message isRead createdAt event { name } } } }',
  DashboardNotificationsLive: 'subscription DashboardNotificationsLive { conductNotificationAdded { id } }',
});
