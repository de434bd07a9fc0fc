// Answers with what the gateway told the function about the caller: the authorizer's
// context or JWT claims, and the IAM identity or API key id.
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    route: event.routeKey || `${event.httpMethod} ${event.resource}`,
    authorizer: event.requestContext.authorizer || null,
    identity: event.requestContext.identity || null,
  }, null, 2),
});
