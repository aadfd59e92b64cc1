package verifier

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
)

// LocalDeployment returns the deployment of this machine, for WithDeployment and for naming this
// installation to the license server (licentia-verify --deployment auto). It reads, per operating
// system (the package documentation, "Deployment binding", lists the exact sources):
//
//   - Linux: the machine id (/etc/machine-id, else /var/lib/dbus/machine-id), the DMI product UUID
//     (/sys/class/dmi/id/product_uuid, often readable by root only: skipped when not), the MACs of the
//     physical network interfaces, the serials of the disks, the hostname;
//   - Windows: the MachineGuid of HKLM\SOFTWARE\Microsoft\Cryptography, the MACs, the hostname;
//   - macOS: the IOPlatformUUID (ioreg), the MACs, the hostname;
//   - elsewhere: the MACs and the hostname.
//
// Its id is the machine id (so a copy of the disk keeps it, and the server can tell two live holders of
// one id apart as a clone), else the product UUID, else the first MAC, else the hostname. Sources that
// cannot be read are skipped quietly, values outside the bounds are left out, and lists are sorted and
// cut to MaxComponentValues, so the same machine always gives the same deployment. When no source at all
// can be read the error wraps ErrDeployment.
//
// The values are the machine's own and raw: software sends them to its license server (which keeps
// salted hashes only) and must not log them.
func LocalDeployment() (Deployment, error) {
	return readLocalDeployment()
}

// machineFacts are the raw values a LocalDeployment is made of.
type machineFacts struct {
	machineID, productUUID, hostname string
	macs, disks                      []string
}

// deployment turns the facts into a valid deployment, leaving out what the bounds refuse.
func (f machineFacts) deployment() (Deployment, error) {
	d := Deployment{Components: map[string][]string{}}
	one := func(name, v string) {
		if v = strings.TrimSpace(v); usableValue(name, v) {
			d.Components[name] = []string{v}
		}
	}
	many := func(name string, vs []string) {
		var ok []string
		for _, v := range vs {
			if v = strings.TrimSpace(v); usableValue(name, v) {
				ok = append(ok, v)
			}
		}
		slices.Sort(ok)
		ok = slices.Compact(ok)
		if len(ok) > MaxComponentValues {
			ok = ok[:MaxComponentValues]
		}
		if len(ok) > 0 {
			d.Components[name] = ok
		}
	}
	one(ComponentMachineID, f.machineID)
	one(ComponentProductUUID, f.productUUID)
	many(ComponentMAC, f.macs)
	many(ComponentDisk, f.disks)
	one(ComponentHostname, f.hostname)
	for _, name := range []string{ComponentMachineID, ComponentProductUUID, ComponentMAC, ComponentHostname} {
		if vs := d.Components[name]; len(vs) > 0 && len([]rune(vs[0])) <= MaxDeploymentIDLen {
			d.ID = vs[0]
			break
		}
	}
	if d.ID == "" {
		return Deployment{}, fmt.Errorf("%w: none of this machine's identifiers could be read", ErrDeployment)
	}
	if len(d.Components) == 0 {
		d.Components = nil
	}
	return d, d.Validate()
}

// usableValue reports whether v is a value a deployment may carry for the component name, and not a
// placeholder firmware or images write for "unknown".
func usableValue(name, v string) bool {
	n := normalize(name, v)
	if n == "" || len([]rune(v)) > MaxComponentLen || !printable(v) {
		return false
	}
	switch name {
	case ComponentMachineID:
		return n != "uninitialized"
	case ComponentHostname:
		return n != "localhost" && n != "localhost.localdomain" && n != "(none)"
	case ComponentProductUUID, ComponentMAC:
		return strings.Trim(n, "0-") != "" && strings.Trim(n, "f-") != "" // all zeros, all ones
	}
	return true
}

// physicalMACs returns the MACs of the interfaces the net package lists that have a hardware address
// and are neither loopback nor, by their name, virtual (bridges, veth, docker, tun and the like). It is
// the MAC source where the system offers no better test of "physical".
func physicalMACs() []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []string
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 || len(i.HardwareAddr) != 6 || virtualInterface(i.Name) {
			continue
		}
		out = append(out, i.HardwareAddr.String())
	}
	return out
}

// virtualInterface reports whether an interface name is one that virtual devices use.
func virtualInterface(name string) bool {
	for _, p := range []string{"lo", "br", "veth", "docker", "virbr", "vnet", "tun", "tap", "utun", "awdl",
		"llw", "bridge", "vmnet", "vboxnet", "cni", "flannel", "cali", "weave", "kube", "wg", "zt", "gif", "stf",
		"anpi", "p2p", "Loopback", "isatap", "Teredo", "vEthernet"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// hostname is os.Hostname, or "" when it fails.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}
