//go:build linux || darwin || freebsd || netbsd || openbsd

package cache

import (
	"io/fs"
	"syscall"
)

func statOf(fi fs.FileInfo) (Stat, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return Stat{}, false
	}
	m, c := statTimes(st)
	return Stat{Size: fi.Size(), Mtime: m, Ctime: c, Ino: uint64(st.Ino)}, true
}
