"""The operator's command line behind `python3 bot.py ...`: it never touches Telegram itself."""
