package main

import "syscall"

func selectRead(nfd int, set *syscall.FdSet, timeout *syscall.Timeval) error {
	_, err := syscall.Select(nfd, set, nil, nil, timeout)
	return err
}
