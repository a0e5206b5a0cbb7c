//go:build !unix

package nodetest

// lockDir does nothing where flock is missing: there, two test binaries
// installing at the same moment on a first run can still collide.
func lockDir(dir string) (unlock func(), err error) {
	return func() {}, nil
}
