# ktap.awk: summarize the KTAP results of a test run (scripts/check.sh).
# Prints the result lines (failures with the "# " diagnostics right before
# them), then "@counts P F S". The input is kselftest's run_kselftest.sh
# output: one top-level result per test program, the program's own KTAP before
# it prefixed "# " by kselftest's runner. Those "# ok N"/"# not ok N" lines (or
# indented ones) are subtests; a top-level line counts only if no subtest
# results came since the previous one (or if it is "not ok" while none of its
# subtests failed). A missing planned result
# counts as a failure; so does "# tcpmem-vm: done rc=N" (the VM's exit status
# of the test runner) with N other than 0 or 4 when nothing else failed.
function result(line) {
	if (line ~ /^(#[ \t]+|[ \t]*)not ok/) {
		f++
		for (i = (nd > 20 ? nd - 20 : 0); i < nd; i++) print d[i]
	} else if (tolower(line) ~ /#[ \t]*skip/) {
		s++
	} else {
		p++
	}
	print line
}
/^# tcpmem-vm: done rc=/ {
	done = 1
	rc = $0
	sub(/^# tcpmem-vm: done rc=/, "", rc)
	rc += 0
	next
}
/^(#|[ \t])[ \t]*(not )?ok [0-9]+/ {
	sub_seen = 1
	if (/^(#[ \t]+|[ \t]*)not ok/) sub_failed = 1
	result($0); nd = 0; next
}
/^[ \t]*#/ { if (/^[ \t]*# /) d[nd++] = $0; next }
/^(not )?ok [0-9]+/ {
	top++
	if (!sub_seen) {
		result($0)
	} else if (/^not ok/ && !sub_failed) {
		# e.g. a test script died after some passing subtests
		print "# (counted below: the test failed though none of its subtests did)"
		result($0)
	} else {
		print
	}
	sub_seen = sub_failed = 0; nd = 0; next
}
/^1\.\.[0-9]+/ { plan = substr($0, 4) + 0 }
{ nd = 0 }
END {
	if (!done) {
		print "# the VM never reported the end of the run"
		f++
	}
	if (done && plan > top) {
		print "# only " top + 0 " of " plan " planned top-level results arrived"
		f++
	}
	if (done && rc != 0 && rc != 4 && f == 0) {
		print "# the test script exited with rc=" rc " but reported no failure"
		f++
	}
	print "@counts", p + 0, f + 0, s + 0
}
