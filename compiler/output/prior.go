package output

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Prior is an existing output directory that a render compares its files
// with as it encodes them (build.Options.Unchanged), so that it need not
// keep the bytes of the files that do not change: their paths go to
// Options.Keep instead of their contents to the tree.
//
// Only a regular file reached without a symbolic link on the way counts
// as the same, as Write's own comparison reads only regular files and
// follows no link; anything else (and any error) is "not the same", and
// the file is compared and written as usual.
type Prior struct {
	fd  int
	off atomic.Bool // openat2 is missing (Linux before 5.6): compare nothing
}

// OpenPrior opens dir for Same. A directory that does not exist yet has no
// files to compare: the result is nil, whose Same is always false.
func OpenPrior(dir string) (*Prior, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Prior{fd: fd}, nil
}

// Close releases the directory.
func (p *Prior) Close() error {
	if p == nil {
		return nil
	}
	return unix.Close(p.fd)
}

// Same reports whether the file at rel, a slash-separated path under the
// directory, is a regular file holding exactly data. It is safe for
// concurrent use.
func (p *Prior) Same(rel string, data []byte) bool {
	if p == nil || p.off.Load() {
		return false
	}
	how := unix.OpenHow{
		// O_NONBLOCK: a FIFO left in the tree must not hang the render.
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd, err := unix.Openat2(p.fd, rel, &how)
	for err == unix.EINTR {
		fd, err = unix.Openat2(p.fd, rel, &how)
	}
	if err == unix.ENOSYS {
		p.off.Store(true)
	}
	if err != nil {
		return false
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != int64(len(data)) {
		unix.Close(fd)
		return false
	}
	// fstat gave the size: reading exactly that much needs no read to
	// see the end of the file.
	bp, buf := readBuffer(len(data))
	defer bufPool.Put(bp)
	n, err := readFD(fd, rel, buf)
	return err == nil && n == len(data) && string(buf) == string(data)
}
