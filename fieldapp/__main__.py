"""`python -m fieldapp`: open the field app against DOORSTEP_SERVER."""
from fieldapp.app import main

main()
