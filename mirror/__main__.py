from mirror.cli import command

command()
