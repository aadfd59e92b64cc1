//go:build race

package main

// raceEnabled is true when the tests run under the race detector, whose shadow memory swamps a child
// process's RSS: the memory-bound tests then check everything but the RSS, and .ci/run runs them once more
// without -race.
const raceEnabled = true
