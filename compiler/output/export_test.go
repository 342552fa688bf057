package output

// FastEncodes reports whether fastEncode writes body (rather than
// yaml.v3), for the tests of package output_test.
func FastEncodes(body map[string]any) bool {
	_, ok := fastEncode(nil, body)
	return ok
}

// ForgetStrings empties the memos of string styles and long values, as in
// a new process, for benchmarks of a first encoding.
func ForgetStrings() {
	styles.Clear()
	stylesN.Store(0)
	resolved.Clear()
	resolvedN.Store(0)
	longSeen.Clear()
	longMemo.Clear()
	longBytes.Store(0)
}
