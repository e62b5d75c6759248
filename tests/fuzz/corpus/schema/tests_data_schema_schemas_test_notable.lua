-- A schema file that returns a string instead of a table.
return "organizer/text_interactions"
