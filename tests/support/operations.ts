/**
 * Operations several test files send, and the factories' (tests/support/server.ts). Codegen reads
 * this block and generates a typed `Test…Document` of each into src/generated/graphql.ts; tests import
 * those. A file's own operations sit at its top, named after its topic (`IdentityTest…`).
 */
/* GraphQL */ `
  mutation TestRegister($input: RegisterInput!) { register(input: $input) { id username email role } }
  mutation TestLogin($input: LoginInput!) { login(input: $input) { token requiresTwoFactor user { id role } } }
  mutation TestRegisterUsername($u: String!) { register(input: { username: $u, password: "longenough" }) { id } }
  query TestMe { me { id } }
  query TestMeWithUsername { me { id username } }
  mutation TestLogout { logout }
  mutation TestPromote($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }
  mutation TestDemote($id: ID!) { setUserRole(id: $id, role: USER) { id } }
  mutation TestDeactivate($id: ID!) { setUserActive(id: $id, active: false) { id } }
  mutation TestForcePasswordChange($id: ID!) { forcePasswordChange(id: $id) { id } }
  mutation TestDeleteUser($id: ID!) { deleteUser(id: $id) }
  query TestUserById($id: ID!) { user(id: $id) { id } }
  mutation TestRequestPasswordReset($e: String!) { requestPasswordReset(email: $e) }
  query TestQueryTypeName { __schema { queryType { name } } }
  subscription TestUserChanged { userChanged { kind userId } }
  subscription TestUserChangedKind { userChanged { kind } }
  mutation TestAddHouseholdMember($userId: ID!, $role: MembershipRole, $householdId: ID) {
    addHouseholdMember(userId: $userId, role: $role, householdId: $householdId) { id }
  }
  mutation TestSetEnrollment($userId: ID!, $application: Application!, $status: MembershipStatus!) {
    setEnrollment(userId: $userId, application: $application, status: $status) { status }
  }
`;
