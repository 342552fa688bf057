//go:build darwin || freebsd || netbsd || openbsd

package cache

import "syscall"

func mtime(st *syscall.Stat_t) int64 { return st.Mtimespec.Nano() }
