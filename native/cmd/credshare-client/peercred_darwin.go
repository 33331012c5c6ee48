package main

import (
	"errors"
	"syscall"
)

// darwin's getpeereid(3) is getsockopt(SOL_LOCAL, LOCAL_PEERCRED) returning a struct
// xucred {u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]}. The
// standard library has no call for it and raw syscalls are deprecated on darwin, but
// GetsockoptICMPv6Filter is a getsockopt through libSystem into a 32-byte buffer: the
// kernel copies as much of the struct as fits (sooptcopyout), and its first two words
// are the version and the uid.
const (
	solLocal      = 0
	localPeerCred = 0x001
	xucredVersion = 0
)

func peerUID(fd int) (int, error) {
	buf, err := syscall.GetsockoptICMPv6Filter(fd, solLocal, localPeerCred)
	if err != nil {
		return -1, err
	}
	if buf.Filt[0] != xucredVersion {
		return -1, errors.New("unknown xucred version")
	}
	return int(buf.Filt[1]), nil
}
