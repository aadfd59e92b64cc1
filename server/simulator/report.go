package simulator

import (
	"encoding/json"
	"io"
	"sync"
)

// Step outcomes.
const (
	Pass = "pass"
	Fail = "FAIL"
	Skip = "skip"
)

// Result is the outcome of one checked step.
type Result struct {
	// Scenario is the scenario's name.
	Scenario string `json:"scenario"`
	// Step says what was sent and what was expected.
	Step string `json:"step"`
	// Status is Pass, Fail or Skip.
	Status string `json:"status"`
	// Reason says why the step failed or was skipped.
	Reason string `json:"reason,omitempty"`
	// StepText is Step as the simulator wrote it: an English format and its arguments, for a report in another
	// language. Not in the JSON report, whose texts are English.
	StepText Text `json:"-"`
	// ReasonText is Reason as the simulator wrote it, when it did; zero when Reason quotes the seller's answer or
	// an error from outside the simulator, which is shown as it is.
	ReasonText Text `json:"-"`
}

// Report collects the results of a run. It is safe for concurrent use while the run adds results.
type Report struct {
	// URL is the production URL played against.
	URL string `json:"url"`
	// Prefix is the prefix of every order id the run used.
	Prefix string `json:"prefix"`
	// LicentiaFormat is true when the seller's licenses are licentia codes, so the run also checked
	// their claims (generation, expiry, status) after each change.
	LicentiaFormat bool `json:"licentia_format"`
	// LicentiaAPI is true when the seller serves licentia's activation endpoint, so the run also played the
	// License 2.0 activations.
	LicentiaAPI bool `json:"licentia_api"`
	// Passed, Failed and Skipped count the results.
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// Results are the steps in the order they finished.
	Results []Result `json:"results"`

	mu sync.Mutex
}

func (rep *Report) add(r Result) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	rep.Results = append(rep.Results, r)
	switch r.Status {
	case Pass:
		rep.Passed++
	case Fail:
		rep.Failed++
	default:
		rep.Skipped++
	}
}

func (rep *Report) sawLicentiaCode() {
	rep.mu.Lock()
	rep.LicentiaFormat = true
	rep.mu.Unlock()
}

func (rep *Report) sawLicentiaAPI() {
	rep.mu.Lock()
	rep.LicentiaAPI = true
	rep.mu.Unlock()
}

// OK reports whether no step failed.
func (rep *Report) OK() bool { return rep.Failed == 0 }

// WriteJSON writes the report as one JSON object.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}
