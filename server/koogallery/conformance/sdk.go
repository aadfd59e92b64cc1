package conformance

import (
	"encoding/json"
	"fmt"
)

// SDKVectors are the published test values of a public Huawei Cloud SDK's App-authentication signer: the
// requests and the Authorization each must get. They check an App signature implementation that is not
// licentia's own (the OpenAPI stand-in's) against the marketplace's gateway as its SDK signs.
type SDKVectors struct {
	Source     string `json:"source"`
	Repository string `json:"repository"`
	Path       string `json:"path"`
	Commit     string `json:"commit"`
	License    string `json:"license"`
	Note       string `json:"note"`
	AK         string `json:"ak"`
	SK         string `json:"sk"`
	Vectors    []struct {
		Name          string            `json:"name"`
		Method        string            `json:"method"`
		URL           string            `json:"url"`
		Headers       map[string]string `json:"headers"`
		Body          string            `json:"body"`
		Authorization string            `json:"authorization"`
	} `json:"vectors"`
}

// LoadSDKVectors reads the SDK signer's test values kept in sdk/.
func LoadSDKVectors() (*SDKVectors, error) {
	data, err := pagesFS.ReadFile("sdk/huaweicloud-sdk-go-v3-signer.json")
	if err != nil {
		return nil, err
	}
	var v SDKVectors
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("sdk vectors: %w", err)
	}
	if v.Repository == "" || v.Commit == "" || v.AK == "" || v.SK == "" || len(v.Vectors) == 0 {
		return nil, fmt.Errorf("sdk vectors: source, commit, AK/SK and vectors are required")
	}
	return &v, nil
}
