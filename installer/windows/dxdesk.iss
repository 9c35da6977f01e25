; Inno Setup script for dxdesk on Windows: a per-user install that needs no
; administrator rights. Build on Windows after installer/build.py (see
; installer/README.md):   ISCC /DAppVersion=0.1.0 installer\windows\dxdesk.iss

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define SourceDir "..\..\dist\dxdesk"

[Setup]
AppId={{8E1E3F52-6B7B-4C55-9C0E-5D3A2B7F9A10}
AppName=dxdesk
AppVersion={#AppVersion}
AppPublisher=dxdesk
DefaultDirName={localappdata}\Programs\dxdesk
DefaultGroupName=dxdesk
; Per-user: officers on shared PCs rarely have administrator rights.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=dxdesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\dxdesk.exe
; Windows 7 SP1 is still common on commune PCs; Qt 6 needs Windows 10.
MinVersion=10.0

[Languages]
; Vietnamese ships with Inno Setup 6 among the unofficial translations; copy
; Vietnamese.isl into its Languages folder if your copy lacks it.
Name: "vi"; MessagesFile: "compiler:Languages\Vietnamese.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
vi.DesktopIcon=Tạo biểu tượng trên màn hình
en.DesktopIcon=Create a desktop shortcut
vi.RemoveData=Xoá cả dữ liệu báo cáo trên máy này? Báo cáo chưa gửi sẽ mất.
en.RemoveData=Also delete the report data on this computer? Reports not yet sent will be lost.

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\dxdesk"; Filename: "{app}\dxdesk.exe"
Name: "{userdesktop}\dxdesk"; Filename: "{app}\dxdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\dxdesk.exe"; Description: "dxdesk"; Flags: nowait postinstall skipifsilent

[Code]
// Uninstalling keeps the officer's data unless they say otherwise: queued
// reports may not have reached the server yet.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    if MsgBox(CustomMessage('RemoveData'), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
    begin
      DelTree(ExpandConstant('{localappdata}\dxdesk'), True, True, True);
      DelTree(ExpandConstant('{userappdata}\dxdesk'), True, True, True);
    end;
end;
