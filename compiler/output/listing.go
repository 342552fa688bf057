package output

// Listing is an output directory listed in the background (Prescan) while
// the tree to write is rendered: listing tens of thousands of files is
// system calls that need not wait for the render. The directory must not
// change in between, as for Write itself.
type Listing struct {
	dir  string // resolved, as Write resolves it
	done chan struct{}
	ex   existing
	ok   bool
	err  error
}

// Prescan starts listing dir.
func Prescan(dir string) *Listing {
	l := &Listing{done: make(chan struct{})}
	resolved, err := resolveDir(dir)
	if err != nil {
		l.err = err
		close(l.done)
		return l
	}
	l.dir = resolved
	go func() {
		defer close(l.done)
		l.ex, l.ok, l.err = scan(resolved)
	}()
	return l
}

// or returns the listing of dir: l's, when l lists that directory and it
// has not been restored since (recovered), or a fresh one.
func (l *Listing) or(dir string, recovered bool) (existing, bool, error) {
	if l == nil || recovered {
		return scan(dir)
	}
	<-l.done
	if l.err != nil || l.dir != dir {
		return scan(dir)
	}
	return l.ex, l.ok, nil
}
