"""Pure numerical helpers with no model state: metrics of concentration and inequality, random
choices over whole arrays, sparse products and counts of small integer codes."""
