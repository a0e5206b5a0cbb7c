//go:build !race

package builtin_test

// slowdown scales the time limits of tests that measure how promptly a
// run stops (see race_on_test.go).
const slowdown = 1
