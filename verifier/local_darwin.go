//go:build darwin

package verifier

import (
	"context"
	"os/exec"
	"regexp"
	"time"
)

func readLocalDeployment() (Deployment, error) {
	return machineFacts{machineID: platformUUID(), macs: physicalMACs(), hostname: hostname()}.deployment()
}

var platformUUIDLine = regexp.MustCompile(`"IOPlatformUUID" = "([0-9A-Fa-f-]{36})"`)

// platformUUID returns the IOPlatformUUID that `ioreg -rd1 -c IOPlatformExpertDevice` shows, or "".
func platformUUID() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/sbin/ioreg", "-rd1", "-c", "IOPlatformExpertDevice").Output()
	if err != nil {
		return ""
	}
	if m := platformUUIDLine.FindSubmatch(out); m != nil {
		return string(m[1])
	}
	return ""
}
