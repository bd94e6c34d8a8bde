"""bench/report.py keeps what people wrote in bench/REPORT.md when a
benchmark rewrites its own sections. Run by ctest (bench_report)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

OLD = """# mgo benchmarks

Old preamble.

## Machine

| commit | aaaa |

## Start-up to ready

old numbers

### Later: faster

kept by hand

## Where a lifecycle's CPU goes

a hand-written section

## Failover

old failover
"""

NEW = """# mgo benchmarks

New preamble.

## Machine

| commit | bbbb |

## Start-up to ready

new numbers

## Sizing

new section
"""


class Merge(unittest.TestCase):
    def test_generated_sections_are_replaced_and_the_rest_kept(self):
        out = report.merge(OLD, NEW)
        self.assertIn("New preamble.", out)
        self.assertNotIn("Old preamble.", out)
        self.assertIn("| commit | bbbb |", out)
        self.assertNotIn("aaaa", out)
        self.assertIn("new numbers", out)
        self.assertNotIn("old numbers", out)
        # the hand-written subsection follows its section's new numbers
        self.assertLess(out.index("new numbers"), out.index("### Later: faster"))
        self.assertLess(out.index("### Later: faster"), out.index("kept by hand"))
        self.assertLess(out.index("kept by hand"), out.index("## Where a lifecycle"))
        # a section no script writes stays where it was
        self.assertIn("a hand-written section", out)
        self.assertIn("old failover", out)
        # a new section goes at the end
        self.assertTrue(out.rstrip().endswith("new section"))
        self.assertEqual(out.count("## Machine"), 1)

    def test_one_section_alone_keeps_the_preamble(self):
        out = report.merge(OLD, "## Failover\n\nnew failover\n", preamble=False)
        self.assertIn("Old preamble.", out)
        self.assertIn("new failover", out)
        self.assertNotIn("old failover", out)
        self.assertIn("kept by hand", out)
        self.assertIn("old numbers", out)

    def test_merging_twice_changes_nothing_more(self):
        once = report.merge(OLD, NEW)
        self.assertEqual(report.merge(once, NEW), once)

    def test_update_writes_the_file_whole(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "REPORT.md")
            report.update(path, NEW)
            with open(path) as f:
                self.assertEqual(f.read(), NEW)
            with open(path, "w") as f:
                f.write(OLD)
            report.update(path, NEW)
            with open(path) as f:
                self.assertIn("kept by hand", f.read())
            self.assertEqual(os.listdir(d), ["REPORT.md"])


if __name__ == "__main__":
    unittest.main()
