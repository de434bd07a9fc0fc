// A Lambda authorizer for both APIs of the example: the REST API's TOKEN event and the HTTP
// API's REQUEST event (payload 2.0 with simple responses). It lets "Bearer let-me-in" in.
exports.handler = async (event) => {
  const token = event.type === 'TOKEN' ? event.authorizationToken : (event.headers || {}).authorization;
  const ok = token === 'Bearer let-me-in';
  if (event.type !== 'TOKEN') {
    return { isAuthorized: ok, context: { user: 'demo-user' } };
  }
  if (!ok) {
    throw new Error('Unauthorized'); // API Gateway's convention for 401
  }
  return {
    principalId: 'demo-user',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { plan: 'demo' },
  };
};
