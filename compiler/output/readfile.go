package output

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// Comparing a tree of tens of thousands of small files is all system
// calls. os.Open adds one per file (it offers every file to the network
// poller, which refuses regular files) and an allocation with a cleanup;
// the plain calls below do not.

// readPrefix reads the file name into buf until buf is full or the file
// ends, and returns how many bytes it read.
func readPrefix(name string, buf []byte) (int, error) {
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return readFD(fd, name, buf)
}

// readFD reads the open file fd into buf until buf is full or the file
// ends, closes it, and returns how many bytes it read.
func readFD(fd int, name string, buf []byte) (int, error) {
	defer unix.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return n, &fs.PathError{Op: "read", Path: name, Err: err}
		case m == 0:
			return n, nil
		}
		n += m
	}
	return n, nil
}

// readBuffer returns a pooled buffer of length n; give bp back to bufPool
// when done with buf.
func readBuffer(n int) (bp *[]byte, buf []byte) {
	bp = bufPool.Get().(*[]byte)
	if cap(*bp) < n {
		*bp = make([]byte, n)
	}
	return bp, (*bp)[:n]
}
