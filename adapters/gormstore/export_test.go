package gormstore

// OrgForeignKeys exposes the constraint names dbErr trusts, so a test can hold them to the
// real catalog.
var OrgForeignKeys = orgForeignKeys

// DBErr exposes the one driver-error translation to its table test.
var DBErr = dbErr
