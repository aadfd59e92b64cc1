//go:build windows

package verifier

import (
	"syscall"
	"unsafe"
)

func readLocalDeployment() (Deployment, error) {
	return machineFacts{machineID: machineGUID(), macs: physicalMACs(), hostname: hostname()}.deployment()
}

// machineGUID reads HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid from the 64-bit registry view, or
// returns "".
func machineGUID() string {
	subkey, err := syscall.UTF16PtrFromString(`SOFTWARE\Microsoft\Cryptography`)
	if err != nil {
		return ""
	}
	var k syscall.Handle
	if syscall.RegOpenKeyEx(syscall.HKEY_LOCAL_MACHINE, subkey, 0, syscall.KEY_READ|syscall.KEY_WOW64_64KEY, &k) != nil {
		return ""
	}
	defer syscall.RegCloseKey(k)
	name, err := syscall.UTF16PtrFromString("MachineGuid")
	if err != nil {
		return ""
	}
	var buf [128]uint16
	var typ uint32
	n := uint32(len(buf) * 2)
	if syscall.RegQueryValueEx(k, name, nil, &typ, (*byte)(unsafe.Pointer(&buf[0])), &n) != nil || typ != syscall.REG_SZ {
		return ""
	}
	return syscall.UTF16ToString(buf[:n/2])
}
