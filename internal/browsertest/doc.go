// Package browsertest holds the admin portal's browser tests. They build the orgkit binary,
// run it under `serve --dev` on SQLite with loopback SMTP and DNS servers, and drive it in
// headless Chromium (chromedp): every page is checked with axe-core and photographed at a
// desktop and a phone size. The package has no code outside its tests; it exists so the
// browser tests run in parallel with the rest of `go test ./...`.
//
// Chromium is Debian's /usr/bin/chromium (ORGKIT_CHROMIUM overrides the path); axe-core is
// the npm package pinned in package-lock.json beside this file (`npm ci` here, which
// `make test` runs when it is missing). Without them the tests skip, and fail under CI=true.
// Screenshots go to artifacts/ here, or to $ORGKIT_ARTIFACTS_DIR when set. ORGKIT_BIN runs a
// binary built already instead of building cmd/orgkit.
package browsertest
