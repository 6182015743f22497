"""Time: the injectable clock and the working-day calendar."""
