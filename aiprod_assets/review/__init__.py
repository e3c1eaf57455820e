"""People in the loop: reviewers, their comments, decisions and shot edits, and the approval gate."""
