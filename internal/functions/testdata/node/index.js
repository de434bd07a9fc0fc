exports.echo = async (event, context) => ({
  event,
  requestId: context.awsRequestId,
  functionName: context.functionName,
  memory: context.memoryLimitInMB,
  remaining: context.getRemainingTimeInMillis(),
  arn: context.invokedFunctionArn,
  pid: process.pid,
  execEnv: process.env.AWS_EXECUTION_ENV,
});

exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { callback: true, event }), 5);
};

exports.callbackError = (event, context, callback) => callback(new Error('callback failed'));

exports.throws = async () => {
  throw new TypeError('bad thing');
};

exports.log = async () => {
  console.log('hello from node', { a: 1 });
  return 'ok';
};

exports.nested = { handler: async () => 'nested ok' };
