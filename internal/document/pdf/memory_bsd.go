//go:build darwin || freebsd

package pdf

const mapNoReserve = 0
