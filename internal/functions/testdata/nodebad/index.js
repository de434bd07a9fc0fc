require('./does-not-exist');
exports.handler = async () => 'unreachable';
