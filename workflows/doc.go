// Package workflows holds one file per process and the human-step helper they all share. Code
// here must be deterministic: no clock, randomness, map iteration for decisions, goroutines or
// I/O; activities do all of that.
package workflows
