package output

// FastEncodes reports whether fastEncode writes body (rather than
// yaml.v3), for the tests of package output_test.
func FastEncodes(body map[string]any) bool {
	_, ok := fastEncode(nil, body)
	return ok
}
