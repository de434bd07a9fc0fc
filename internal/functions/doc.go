// Package functions is genkan's local Lambda: it runs functions written for AWS Lambda as
// plain host processes, without containers, and invokes them the way Lambda does, so that a
// function runs unchanged.
//
// # Shape
//
// A Manager serves a set of functions (Sync). Each function has versions (definition + code,
// identified by a hash); only the current version takes new invocations. Each version has a
// pool of instances. An instance is one process, Lambda's execution environment, with its own
// Runtime API listener on 127.0.0.1, so that every Runtime API request belongs to exactly one
// instance and one invocation at a time. Invoke takes the most recently used idle instance
// (LIFO, so that the others idle out), or starts one while the function runs fewer
// invocations than its reserved concurrency, or fails at once with ErrThrottled, as Lambda
// does, unless the function has a queue (Options.Queue, FunctionQueues): the invocation then
// waits, first come first served, for an instance to free up, and a freed instance is handed
// the next queued event directly. An idle-timeout reaper stops instances nobody used for
// Options.IdleTimeout and keeps MinWarm instances started
// (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency).
//
// The Runtime API is served by a small HTTP/1.1 server of its own (rapiconn.go), one
// goroutine per runtime connection, without net/http's per-request goroutine hand-overs and
// allocations; a long poll on /next waits in a read of its connection, woken by an expired
// read deadline when an event is assigned.
//
// # Lambda behaviour reproduced
//
//   - Runtime API (runtimes-api.html; status codes and bodies as the Runtime Interface
//     Emulator's rapi handlers): /next long-polls and returns the event with
//     Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn, -Trace-Id and
//     -Client-Context; /response and /error answer 202 {"status":"OK"}; a wrong request id is
//     400 InvalidRequestID; a second answer or /next during an invocation is 403
//     InvalidStateTransition; a response over 6 MiB + 100 bytes is 413 RequestEntityTooLarge
//     and the caller gets Function.ResponseSizeTooLarge; aws-lambda-go's trailer-reported
//     errors (Lambda-Runtime-Function-Error-Type/-Body) are honoured.
//   - The environment of configuration-envvars.html (function name, version $LATEST, memory,
//     region, log group and stream, _HANDLER, LAMBDA_TASK_ROOT = the code directory, which is
//     also the working directory, LAMBDA_RUNTIME_DIR, AWS_EXECUTION_ENV for managed runtimes,
//     TZ=:UTC, LANG, NODE_PATH/PYTHONPATH), then the user's variables. Keys Lambda reserves
//     are refused by Sync; the host's AWS credentials are passed through, as there is no
//     execution role locally.
//   - Timeout (default 3 s): the process group is SIGKILLed, the caller gets
//     {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out after
//     N.NN seconds"}, the log "<time> <id> Task timed out after N.NN seconds" and a REPORT with
//     "Status: timeout"; the next invocation starts a new instance.
//   - A process that exits during an invocation gives Runtime.ExitError with "RequestId: …
//     Error: Runtime exited with error: exit status 1" (Runtime.OutOfMemory when the cgroup's
//     OOM killer did it). aws-lambda-go reports a panic and then exits: the caller gets the
//     panic, the next invocation a cold start. An instance is reused only once it calls /next
//     again; an event assigned to an instance that exits before taking it is re-dispatched.
//   - Init failures (exit before the first /next, /init/error, or no /next within 10 s plus the
//     function timeout) fail the waiting invocation with the runtime's error (e.g.
//     Runtime.ImportModuleError) or Runtime.ExitError, log INIT_REPORT … Status: error, and are
//     remembered per version with exponential back-off (1 s to 30 s): invocations in the
//     back-off get the same error without starting a process, and a code change (new version)
//     starts afresh. Lambda retries init on every invocation; a local tool must not fork-loop.
//   - Logs: every line of stdout/stderr goes to Options.LogOutput prefixed "[name] " and to
//     LogDir/<name>.log with a timestamp (the lines of one read of the pipe in one write);
//     START RequestId: … Version: $LATEST (written with the invocation's first output line, or
//     with its END, stamped with the time of the hand-over), END, and REPORT
//     with Duration, Billed Duration (rounded up to 1 ms, plus the init phase of a cold start,
//     as Lambda bills since August 2025), Memory Size, Max Memory Used, Init Duration (cold
//     starts only) and Status; Max Memory Used is read at most every 100 ms per instance (see
//     memSampler). Result.LogTail is the last 4 KB from START to REPORT (plus the
//     init output of a cold start), as Invoke's LogType Tail. Output written before the runtime
//     answers is read before END is written (pipeReader.drain), so it lands in its invocation.
//   - Throttling: beyond the reserved concurrency Invoke fails at once with a *ThrottleError
//     (errors.Is ErrThrottled), Lambda's 429 TooManyRequestsException. API Gateway does not pass
//     that 429 on: REST and HTTP API Lambda proxy integrations answer 500 (REST through the
//     INTEGRATION_FAILURE gateway response). With a queue (opt-in, not Lambda's behaviour) the
//     ThrottleError comes only once the invocation waited QueueOptions.Timeout, or at once
//     when QueueOptions.Length invocations already wait. Payloads over 6 MB fail with
//     ErrRequestTooLarge.
//   - When the caller's context ends after the event was handed over, the function keeps
//     running to completion or timeout and keeps its concurrency slot, as in Lambda.
//
// # Runtimes
//
// provided, provided.al2, provided.al2023: an executable bootstrap in the code directory, or
// the code path itself when it is an executable. go1.x (deprecated by AWS): the Handler binary
// in the code directory, run through the Runtime API. "go": a Go main package that genkan
// builds with the local toolchain (CGO_ENABLED=0, -tags lambda.norpc) into
// Options.BuildCache/<key>/bootstrap, where key hashes the toolchain version, the build
// settings, go.mod/go.sum and the source and embedded files of every local package the
// function imports (from `go list -deps`); an unchanged key reuses the binary. The key is
// remembered with the stat of everything it was computed from (keyindex.go), so that a start
// with unchanged sources runs no go command. nodejs* and
// python*: the host's node / python3 (python3.X when installed, resolved past version-manager
// shims) with a bootstrap embedded in genkan (bootstrap/), standard library only. A host
// version other than the runtime's is a warning; java*, dotnet*, ruby* and interpreters
// missing from PATH are warnings and their invocations fail with ErrUnsupportedRuntime.
// Any other runtime name is a Sync error naming it.
//
// # Memory
//
// Memory size is enforced with a memory cgroup per instance where genkan can create one: a
// delegated cgroup v2 subtree (memory.max, memory.swap.max=0) or a writable cgroup v1 memory
// hierarchy (memory.limit_in_bytes, memsw = same). The process is moved in right after start.
// Max Memory Used is the cgroup's peak. An address-space rlimit is not used: Go and V8 reserve
// far more address space than they touch. Without a writable cgroup (an unprivileged user
// without delegation, or a non-Linux host) the memory size is reported, not enforced, and Max
// Memory Used sums VmHWM over the process tree in /proc. Node also gets
// --max-old-space-size at 90% of the memory size.
//
// # Change detection
//
// A version's hash covers the definition (runtime, handler, code path, timeout, memory,
// environment) and the code: the content of the entry file (bootstrap binary, handler module)
// and the name, size, mode and mtime of every other file under the code directory; for "go",
// the build key. Reserved concurrency and MinWarm changes apply without new instances. Code
// changes are noticed by Sync only; CodePaths lists what to watch.
package functions
