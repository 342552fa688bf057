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
	return Stat{Size: fi.Size(), Mtime: mtime(st), Ino: uint64(st.Ino)}, true
}
