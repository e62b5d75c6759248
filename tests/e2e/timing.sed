# timing.sed: the fields of a summary JSON that differ from one run to
# the next, as fixed text, for the e2e cases to compare the rest exactly
# (sed -E -f).  A field that is not a number stays as it is and fails the
# comparison.
s/"elapsed_seconds": [0-9]+\.[0-9]{3}(,|})/"elapsed_seconds": "S"\1/
s/"rows_per_second": [0-9]+(,|})/"rows_per_second": "R"\1/
