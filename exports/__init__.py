"""Files for coordinators and M&E officers: XLSX and CSV exports and the attendance chart,
built from the domain's report rows. Nothing here talks to Telegram."""
