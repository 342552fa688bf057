package diff

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"testing/fstest"
)

// GitFS reads the hubs/ tree as it is at ref in the repository at repoDir
// into memory, leaving the work tree untouched. repoDir is the fleet root
// (it may be a subdirectory of the repository). A ref without hubs/ yields
// an empty tree.
func GitFS(repoDir, ref string) (fs.FS, error) {
	commit, err := git(repoDir, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("unknown git revision %q: %w", ref, err)
	}
	commit = strings.TrimSpace(commit)
	list, err := git(repoDir, "ls-tree", "-r", "-z", commit, "--", "hubs")
	if err != nil {
		return nil, err
	}
	type entry struct{ sha, path string }
	var blobs []entry
	for _, rec := range strings.Split(list, "\x00") {
		// "<mode> <type> <sha>\t<path>"
		meta, p, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 3 || f[1] != "blob" || f[0] == "120000" { // skip symlinks
			continue
		}
		blobs = append(blobs, entry{sha: f[2], path: p})
	}
	mfs := fstest.MapFS{"hubs": &fstest.MapFile{Mode: fs.ModeDir | 0o755}}
	if len(blobs) == 0 {
		return mfs, nil
	}
	var in bytes.Buffer
	for _, b := range blobs {
		in.WriteString(b.sha + "\n")
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = repoDir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	r := bufio.NewReader(bytes.NewReader(out))
	for _, b := range blobs {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: reading %s: %w", b.path, err)
		}
		f := strings.Fields(header)
		if len(f) != 3 {
			return nil, fmt.Errorf("git cat-file: unexpected header %q", header)
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: bad size in %q", header)
		}
		data := make([]byte, size+1) // content and its trailing newline
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("git cat-file: reading %s: %w", b.path, err)
		}
		mfs[b.path] = &fstest.MapFile{Data: data[:size], Mode: 0o644}
	}
	return mfs, nil
}

// DefaultBase is the merge base of HEAD with origin/main (SPEC §3), falling
// back to main when there is no origin.
func DefaultBase(repoDir string) (string, error) {
	for _, upstream := range []string{"origin/main", "main"} {
		if mb, err := git(repoDir, "merge-base", "HEAD", upstream); err == nil {
			return strings.TrimSpace(mb), nil
		}
	}
	return "", errors.New("cannot find the merge base with origin/main or main; pass --base REF")
}

// RepoRoot returns the top of the git work tree that holds dir.
func RepoRoot(dir string) (string, error) {
	out, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return string(out), nil
}
