//go:build linux

package verifier

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeRoot writes files (path → content) under a temporary root; a content of "->" makes a directory.
func fakeRoot(tb testing.TB, files map[string]string) string {
	tb.Helper()
	root := tb.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if content == "->" {
			if err := os.MkdirAll(full, 0o755); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// TestLinuxFacts reads a fake machine: the machine id is the id; physical NICs only; disk serials from
// every documented source; virtual and unusable entries left out.
func TestLinuxFacts(t *testing.T) {
	vpd := string([]byte{0, 0x80, 0, 10}) + "  SATA-77  "
	root := fakeRoot(t, map[string]string{
		"etc/machine-id":                  "0123456789abcdef0123456789abcdef\n",
		"var/lib/dbus/machine-id":         "ffffffffffffffffffffffffffffffff\n",
		"sys/class/dmi/id/product_uuid":   "4C4C4544-0042-3510-8051-B7C04F4E4C31\n",
		"proc/sys/kernel/hostname":        "web-1\n",
		"etc/hostname":                    "other\n",
		"sys/class/net/eth0/device":       "->",
		"sys/class/net/eth0/address":      "52:54:00:AB:CD:EF\n",
		"sys/class/net/eth1/device":       "->",
		"sys/class/net/eth1/address":      "52:54:00:12:34:56\n",
		"sys/class/net/lo/address":        "00:00:00:00:00:00\n",
		"sys/class/net/docker0/address":   "02:42:ac:11:00:01\n",
		"sys/class/net/veth1/address":     "aa:bb:cc:dd:ee:ff\n",
		"sys/class/net/ib0/device":        "->",
		"sys/class/net/ib0/address":       "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:7b:21", // not Ethernet
		"sys/block/vda/device":            "->",
		"sys/block/vda/serial":            "VIRTIO-1\n",
		"sys/block/nvme0n1/device/serial": "  NVME-9  \n",
		"sys/block/nvme0n2/device/serial": "NVME-9\n", // a second namespace of the same controller
		"sys/block/sda/device/vpd_pg80":   vpd,
		"sys/block/sdb/device/vpd_pg80":   string([]byte{0, 0x83, 0, 2, 'x', 'y'}), // another page
		"sys/block/loop0/device/serial":   "LOOP",
		"sys/block/dm-0/serial":           "DM",
		"sys/block/sr0/device/serial":     "CDROM",
	})
	f := linuxFacts(root)
	d, err := f.deployment()
	if err != nil {
		t.Fatalf("deployment() err = %v", err)
	}
	want := map[string][]string{
		ComponentMachineID:   {"0123456789abcdef0123456789abcdef"},
		ComponentProductUUID: {"4C4C4544-0042-3510-8051-B7C04F4E4C31"},
		ComponentMAC:         {"52:54:00:12:34:56", "52:54:00:AB:CD:EF"},
		ComponentDisk:        {"NVME-9", "SATA-77", "VIRTIO-1"},
		ComponentHostname:    {"web-1"},
	}
	if d.ID != "0123456789abcdef0123456789abcdef" {
		t.Errorf("ID = %q, want the machine id", d.ID)
	}
	for name, vals := range want {
		if !slices.Equal(d.Components[name], vals) {
			t.Errorf("%s = %q, want %q", name, d.Components[name], vals)
		}
	}
	if len(d.Components) != len(want) {
		t.Errorf("components %v, want exactly %v", d.Components, want)
	}
}

// TestLinuxFactsFallbacks: the D-Bus machine id when /etc has none, /etc/hostname when /proc has none, an
// unreadable product UUID skipped quietly, and without any machine id the product UUID, then a MAC,
// then the hostname is the id; with nothing at all, ErrDeployment.
func TestLinuxFactsFallbacks(t *testing.T) {
	d, err := linuxFacts(fakeRoot(t, map[string]string{
		"var/lib/dbus/machine-id": "dbus-id\n", "etc/hostname": "h2\n",
	})).deployment()
	if err != nil || d.ID != "dbus-id" || d.Components[ComponentHostname][0] != "h2" {
		t.Errorf("deployment() = %+v, %v; want id dbus-id, hostname h2", d, err)
	}

	root := fakeRoot(t, map[string]string{"sys/class/dmi/id/product_uuid": "u-1\n", "etc/hostname": "h\n"})
	if os.Getuid() != 0 { // root reads a mode-0 file anyway
		if err := os.Chmod(filepath.Join(root, "sys/class/dmi/id/product_uuid"), 0); err != nil {
			t.Fatal(err)
		}
		if d, err := linuxFacts(root).deployment(); err != nil || d.ID != "h" || d.Components[ComponentProductUUID] != nil {
			t.Errorf("unreadable product_uuid: deployment() = %+v, %v; want it skipped, id h", d, err)
		}
	}

	for _, tt := range []struct {
		name  string
		files map[string]string
		id    string
	}{
		{"product uuid", map[string]string{"etc/machine-id": "uninitialized\n", "sys/class/dmi/id/product_uuid": "u-2", "etc/hostname": "h"}, "u-2"},
		{"mac", map[string]string{"sys/class/dmi/id/product_uuid": "00000000-0000-0000-0000-000000000000",
			"sys/class/net/e/device": "->", "sys/class/net/e/address": "52:54:00:00:00:01", "etc/hostname": "h"}, "52:54:00:00:00:01"},
		{"hostname", map[string]string{"etc/hostname": "h3"}, "h3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if d, err := linuxFacts(fakeRoot(t, tt.files)).deployment(); err != nil || d.ID != tt.id {
				t.Errorf("deployment() = %+v, %v; want id %q", d, err, tt.id)
			}
		})
	}
	if _, err := linuxFacts(fakeRoot(t, map[string]string{"etc/hostname": "localhost"})).deployment(); !errors.Is(err, ErrDeployment) {
		t.Errorf("nothing to read: err = %v, want ErrDeployment", err)
	}
}

// TestMachineFactsBounds: too many values are cut to the bound (sorted first, so always the same ones),
// values with control characters or beyond the length bound are left out.
func TestMachineFactsBounds(t *testing.T) {
	var disks []string
	for i := range MaxComponentValues + 4 {
		disks = append(disks, string(rune('a'+i))+"-serial")
	}
	long := strings.Repeat("x", MaxComponentLen+1)
	d, err := machineFacts{machineID: "m", disks: append(disks, "bad\x01", long), hostname: "h\x00"}.deployment()
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Components[ComponentDisk]; len(got) != MaxComponentValues || got[0] != "a-serial" {
		t.Errorf("disks = %q, want the first %d in order", got, MaxComponentValues)
	}
	if _, ok := d.Components[ComponentHostname]; ok {
		t.Errorf("hostname with a NUL kept: %q", d.Components[ComponentHostname])
	}
}
