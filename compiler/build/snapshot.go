package build

import (
	"io"
	"io/fs"
	"maps"
	"sync"
	"testing/fstest"
)

// recordingFS serves a file system and keeps the bytes of every file read
// to its end through it. Render loads the fleet through one and keys the
// render cache by what it recorded: exactly the bytes that were loaded and
// rendered, never a second read that could see a file saved in between
// (the output of the old bytes would be cached under the new ones).
type recordingFS struct {
	fs.FS

	mu    sync.Mutex
	files fstest.MapFS
}

func newRecordingFS(fsys fs.FS) *recordingFS {
	return &recordingFS{FS: fsys, files: fstest.MapFS{}}
}

// Open opens name; directories are passed through as they are, files are
// recorded when read to the end.
func (r *recordingFS) Open(name string) (fs.File, error) {
	f, err := r.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return f, nil
	}
	return &recordingFile{File: f, fs: r, name: name}, nil
}

// snapshot is what was recorded so far.
func (r *recordingFS) snapshot() fstest.MapFS {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.files)
}

type recordingFile struct {
	fs.File
	fs   *recordingFS
	name string
	data []byte
	done bool
}

func (f *recordingFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	if !f.done {
		f.data = append(f.data, p[:n]...)
		if err == io.EOF {
			f.done = true
			f.fs.mu.Lock()
			f.fs.files[f.name] = &fstest.MapFile{Data: f.data}
			f.fs.mu.Unlock()
		}
	}
	return n, err
}

// readAll reads every file under dir through r (recording them),
// following links to files; a missing dir reads as nothing.
func readAll(r *recordingFS, dir string) error {
	return fs.WalkDir(r, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if st, err := fs.Stat(r, p); err != nil || !st.Mode().IsRegular() {
			return err // a link to a directory is not followed
		}
		_, err = fs.ReadFile(r, p)
		return err
	})
}
