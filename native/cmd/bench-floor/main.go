// bench-floor: an empty Go program, built like the native client (CGO_ENABLED=0, -s -w),
// for `npm run bench`: the cost of starting any Go program (its runtime starts threads and
// installs signal handlers before main), the floor under the client's own figures. Not shipped.
package main

func main() {}
