// The Node.js test function of the end-to-end tests (see ../gofn/main.go for the protocol).
// The hot-reload test copies this file and rewrites VERSION.
const fs = require('fs');

const VERSION = 'v1';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// 201 rather than 200 tells a status taken from the function from a default.
const reply = (body) => ({
  statusCode: 201,
  headers: { 'Content-Type': 'application/json', 'X-Runtime': 'node' },
  multiValueHeaders: { 'X-Multi': ['a', 'b'] },
  body: JSON.stringify({ ...body, runtime: 'node', pid: process.pid, version: VERSION }),
});

exports.handler = async (event) => {
  const action = (event.pathParameters && event.pathParameters.action) || event.action || 'echo';
  const query = event.queryStringParameters || {};
  switch (action) {
    case 'bare':
      return { runtime: 'node', bare: true };
    case 'cookies':
      return { statusCode: 200, cookies: ['a=1; Path=/', 'b=2'], headers: { 'Content-Type': 'text/plain' }, body: 'cookies' };
    case 'string':
      return 'just a string';
    case 'throw':
      throw new Error('boom');
    case 'crash':
      console.log('crashing on purpose');
      process.exit(1);
    case 'sleep': {
      const ms = Number(query.ms);
      console.log('sleeping', ms);
      await sleep(ms);
      return reply({ slept: ms });
    }
    case 'wait':
      // Blocks until the test creates the file, so an invocation is in flight for exactly as
      // long as the test needs, without guessing durations.
      console.log('waiting for', query.release);
      while (!fs.existsSync(query.release)) await sleep(10);
      return reply({ waited: true });
    case 'log':
      console.log('logged:', event.marker);
      return 'logged';
  }
  return reply({ event });
};
