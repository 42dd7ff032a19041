"""Statistics for rating studies: agreement, Bradley-Terry ranking, bootstrap summaries."""
