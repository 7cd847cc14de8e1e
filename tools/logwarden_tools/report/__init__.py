"""Self-contained HTML reports of a backtest: per series the observed counts, the expected band, alert and
recovery markers, and the incident threads with their messages. One file that opens offline: the chart
library (uPlot, vendored in ``vendor/`` with its licence) and the data are inlined."""
