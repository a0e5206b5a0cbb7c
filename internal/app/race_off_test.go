//go:build !race

package app_test

// slowdown scales the time limits of tests that measure how promptly work
// stops (see race_on_test.go).
const slowdown = 1
