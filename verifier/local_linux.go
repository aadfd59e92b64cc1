//go:build linux

package verifier

import (
	"io"
	"os"
	"path/filepath"
	"strings"
)

func readLocalDeployment() (Deployment, error) {
	f := linuxFacts("/")
	if f.hostname == "" {
		f.hostname = hostname()
	}
	if _, err := os.Stat("/sys/class/net"); err != nil { // no sysfs: the interfaces as the kernel lists them
		f.macs = physicalMACs()
	}
	return f.deployment()
}

// linuxFacts reads a Linux machine's identifiers from the file tree at root ("/" for this machine; a
// test passes a fake tree). Whatever cannot be read is left empty.
func linuxFacts(root string) machineFacts {
	at := func(p ...string) string { return filepath.Join(append([]string{root}, p...)...) }
	f := machineFacts{
		machineID:   readSmall(at("etc", "machine-id")),
		productUUID: readSmall(at("sys", "class", "dmi", "id", "product_uuid")), // often root-only
		hostname:    readSmall(at("proc", "sys", "kernel", "hostname")),
	}
	if f.machineID == "" {
		f.machineID = readSmall(at("var", "lib", "dbus", "machine-id"))
	}
	if f.hostname == "" {
		f.hostname = readSmall(at("etc", "hostname"))
	}
	f.macs = linuxMACs(at("sys", "class", "net"))
	f.disks = linuxDisks(at("sys", "block"))
	return f
}

// linuxMACs returns the addresses of the physical interfaces under dir (/sys/class/net): those with a
// device link (loopback, bridges, veth, tun, docker and other virtual interfaces have none) and an
// Ethernet-sized address.
func linuxMACs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(p, "device")); err != nil {
			continue
		}
		if a := readSmall(filepath.Join(p, "address")); len(a) == 17 {
			out = append(out, a)
		}
	}
	return out
}

// linuxDisks returns the serial numbers of the disks under dir (/sys/block): device/serial (SCSI, NVMe:
// the controller's), serial (virtio), or the unit serial number VPD page (device/vpd_pg80). Loop, RAM,
// device-mapper, md, optical and network block devices are not disks of the machine.
func linuxDisks(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if hasAnyPrefix(name, "loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd", "rbd", "drbd") {
			continue
		}
		p := filepath.Join(dir, name)
		s := readSmall(filepath.Join(p, "device", "serial"))
		if s == "" {
			s = readSmall(filepath.Join(p, "serial"))
		}
		if s == "" {
			s = vpdSerial(filepath.Join(p, "device", "vpd_pg80"))
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// vpdSerial returns the product serial number of a SCSI unit serial number VPD page (0x80): a page code
// byte 0x80 at offset 1, a big-endian length at 2, then that many ASCII bytes.
func vpdSerial(path string) string {
	b, err := readSmallBytes(path)
	if err != nil || len(b) < 4 || b[1] != 0x80 {
		return ""
	}
	n := int(b[2])<<8 | int(b[3])
	if n > len(b)-4 {
		return ""
	}
	return strings.Trim(string(b[4:4+n]), " \x00")
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// readSmall returns the trimmed content of a small file, or "" when it cannot be read.
func readSmall(path string) string {
	b, err := readSmallBytes(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// readSmallBytes reads at most 4 KiB of path.
func readSmallBytes(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4<<10))
}
