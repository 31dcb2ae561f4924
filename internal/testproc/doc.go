// Package testproc starts real services a fault test may stop and start again at will: a
// private Postgres (initdb into a temporary directory, run by pg_ctl), a private Redis and a
// TCP relay that takes any loopback server down and up on the same address. They are the
// test's own processes, never the machine's shared services, so killing them is harmless.
//
// A tool that is missing fails the test under CI=true (CI installs it) and skips it
// elsewhere, naming what to install.
package testproc
