<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>BundleExporter</name>
    <message numerus="yes">
        <source>%n report(s) written to %1. They stay in the outbox, waiting, until the receipt is imported or a sync confirms them.</source>
        <translation>
            <numerusform>%n report written to %1. It stays in the outbox, waiting, until the receipt is imported or a sync confirms it.</numerusform>
            <numerusform>%n reports written to %1. They stay in the outbox, waiting, until the receipt is imported or a sync confirms them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n more report(s) did not fit in this file: export again to another file.</source>
        <translation>
            <numerusform>%n more report did not fit in this file: export again to another file.</numerusform>
            <numerusform>%n more reports did not fit in this file: export again to another file.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Days</name>
    <message numerus="yes">
        <source>%n day(s) overdue</source>
        <translation>
            <numerusform>%n day overdue</numerusform>
            <numerusform>%n days overdue</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) left</source>
        <translation>
            <numerusform>%n day left</numerusform>
            <numerusform>%n days left</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>You have %n unfinished draft(s). They are saved; open them to continue.</source>
        <translation>
            <numerusform>You have %n unfinished draft. It is saved; open it to continue.</numerusform>
            <numerusform>You have %n unfinished drafts. They are saved; open them to continue.</numerusform>
        </translation>
    </message>
</context>
</TS>
