# SPDX-License-Identifier: GPL-2.0
# kmemleak helpers for the tcpmem selftests (sourced after lib.sh).
# A leak is told by where it was allocated: kmemleak's backtrace frames
# ("name+0x../0x.. [module]" while the module is in, bare "0xffff..." once it
# is gone) against the module's text address ranges recorded at load.

KML=/sys/kernel/debug/kmemleak

# tm_kml_record MODULE KO FILE: append the loaded MODULE's text ranges
# ("range SECTION START END", from /sys/module/MODULE/sections and KO's
# section sizes) to FILE
tm_kml_record()
{
	"$TM_DIR/tmstress" textrange "$2" "$1" | grep '^range ' >> "$3"
}

# tm_kml_modules_range FILE: one range for any module text at all: from the
# highest address of a kernel symbol (/proc/kallsyms as root) to the end of
# the module area (x86_64)
tm_kml_modules_range()
{
	tm_top=$(awk 'NF == 3 && length($1) == 16 && $1 < "ffffffffff000000" && $1 > top { top = $1 }
		END { print top }' /proc/kallsyms)
	case $tm_top in
	ffffffff*) echo "range modules 0x$tm_top 0xffffffffff000000" >> "$1" ;;
	*) return 1 ;;
	esac
}

# tm_kml_scan OUT: two scans 6 s apart (kmemleak reports objects older than
# 5 s, seen unreferenced twice), the report in OUT
tm_kml_scan()
{
	echo scan > $KML
	sleep 6
	echo scan > $KML
	cat $KML > "$1"
}

# tm_kml_leaks REPORT RANGES MODULE: print the reports of REPORT with a
# backtrace frame in one of RANGES, or symbolized as [MODULE]; their number
# goes to $tm_kml_n (call it as "tm_kml_leaks ... > FILE", not in $(...))
tm_kml_leaks()
{
	awk -v mod="[$3]" -v rf="$2" '
	BEGIN {
		n = 0
		while ((getline l < rf) > 0) {
			split(l, f, " ")
			if (f[1] != "range")
				continue
			lo[n] = tolower(sprintf("%016s", substr(f[3], 3)))
			hi[n] = tolower(sprintf("%016s", substr(f[4], 3)))
			gsub(/ /, "0", lo[n]); gsub(/ /, "0", hi[n])
			n++
		}
	}
	function flush() {
		if (hit) { nleak++; printf "%s", block }
		block = ""; hit = 0
	}
	/^unreferenced object/ { flush() }
	{
		block = block $0 "\n"
		if (index($0, mod)) hit = 1
		if ($1 ~ /^0x[0-9a-f]+$/) {
			a = sprintf("%016s", substr($1, 3)); gsub(/ /, "0", a)
			for (i = 0; i < n; i++)
				if (a >= lo[i] && a < hi[i]) hit = 1
		}
	}
	END { flush(); print "@leaks " nleak + 0 }' "$1" > /tmp/tm_kml_hits
	tm_kml_n=$(sed -n 's/^@leaks //p' /tmp/tm_kml_hits)
	grep -v '^@leaks ' /tmp/tm_kml_hits
}
