package kube

// RenderGenerated renders a generated fleet that turns on every option of the
// spec into dir (the layout of rendered/). TestGeneratedFleet validates what
// it writes, and skips while it is nil.
//
// TODO(lead): set it from the compiler once the renderer lands, e.g. in a
// file of this package:
//
//	func init() { RenderGenerated = func(dir string) error { /* write fleet, render to dir */ } }
var RenderGenerated func(dir string) error
