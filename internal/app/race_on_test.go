//go:build race

package app_test

// slowdown scales the time limits of tests that measure how promptly work
// stops: the race detector makes the engine several times slower, and so
// the checks between its steps further apart.
const slowdown = 10
